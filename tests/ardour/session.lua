-- Session script of the Ardour host test (tests/tests/ardour.rs), run by `ardour7-lua`:
--
--   ardour7-lua session.lua create SESSION_DIR NAME PLUGIN_NAME
--   ardour7-lua session.lua play SESSION_DIR NAME PLAN_FILE LOG_FILE
--
-- `create` makes a 48 kHz session with one MIDI track holding the plugin (a VST3, automation in
-- audio time) followed by the MIDI logger (tests/ardour/chronus_midi_log.lua), adds a range
-- named "test-loop" (Ardour 7.3's Lua cannot make a loop range: the test turns it into the
-- loop in the session file), saves and quits.
--
-- `play` loads the session, runs the Dummy backend with 512-sample cycles and carries out the
-- plan, one command a line (`#` starts a comment):
--
--   mark TEXT              write `mark TEXT` into the log
--   tempo BPM              one tempo for the whole session
--   param NAME VALUE       set the plugin parameter named NAME (its host value, 0..1 for a toggle)
--   automate NAME : S V ...  replace NAME's automation by points (sample S, value V), state Play;
--                          S may be written `L+N`: N samples after the route's latency
--   unautomate NAME        clear NAME's automation, state Off
--   loop START END         move the loop range to [START, END) samples
--   locate SAMPLE          move the playhead (transport stopped); SAMPLE may be written `N-L`
--   roll | stop            start / stop the transport
--   loop_roll              play the loop (request_play_loop)
--   unloop                 leave loop play
--   wait SECONDS           let the engine run
--   until SAMPLE           wait until the playhead has reached SAMPLE (10 s at most)
--   wraps N                wait until the playhead has wrapped N times (20 s at most)
--   save SNAPSHOT          save the session as snapshot SNAPSHOT
--
-- The log gets `latency L` after each mark (the route's latency, see `latency ()` below) and one
-- line per record of the logger: `cycle START LENGTH ROLLING` for each cycle
-- the logger ran in and `midi START LENGTH ROLLING OFFSET STATUS DATA1 DATA2` for each MIDI
-- event, in the order they happened, then `end`. Anything wrong ends the script with a line
-- starting `ERROR` on stdout and exit status 1.

local LOGGER = "Chronus Seq Test MIDI Log"
local SAMPLE_RATE = 48000
local CYCLE = 512
local CAPACITY = 32768 -- must match chronus_midi_log.lua
local RECORD = 7

local mode, dir, name = arg[1], arg[2], arg[3]

local function fail (text)
	print ("ERROR " .. text)
	io.stdout:flush ()
	os.exit (1)
end

if not mode or not dir or not name then
	fail ("usage: session.lua create|play SESSION_DIR NAME ...")
end

local function settle ()
	-- Ardour sometimes hangs when the next request follows a structural change too closely.
	sleep (0.5)
end

local function track ()
	local route = Session:route_by_name ("Seq")
	if route:isnil () then fail ("no track named Seq") end
	return route
end

local function plugin_insert ()
	local proc = track ():nth_plugin (0)
	if proc:isnil () then fail ("the track has no plugin") end
	return proc
end

local function logger_shmem ()
	local proc = track ():nth_plugin (1)
	if proc:isnil () then fail ("the track has no logger") end
	return proc:to_insert ():plugin (0):to_luaproc ():shmem ()
end

-- The index among input parameters (what LuaAPI.plugin_automation and set_processor_param
-- take) and the port number of the plugin parameter labelled `label`.
local function find_param (label)
	local plugin = plugin_insert ():to_insert ():plugin (0)
	local nth = 0
	for port = 0, plugin:parameter_count () - 1 do
		if plugin:parameter_is_input (port) then
			if plugin:parameter_label (port) == label then
				return nth, port
			end
			nth = nth + 1
		end
	end
	fail ("no plugin parameter labelled " .. label)
end

local function create (plugin_name)
	local session = create_session (dir, name, SAMPLE_RATE)
	if not session then fail ("could not create the session") end
	settle ()
	local tracks = Session:new_midi_track (
		ARDOUR.ChanCount (ARDOUR.DataType ("midi"), 1),
		ARDOUR.ChanCount (ARDOUR.DataType ("audio"), 2),
		true, ARDOUR.PluginInfo (), nil, nil, 1, "Seq",
		ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
	if tracks:size () ~= 1 then fail ("could not create the MIDI track") end
	settle ()
	local route = track ()
	local seq = ARDOUR.LuaAPI.new_plugin_with_time_domain (
		Session, plugin_name, ARDOUR.PluginType.VST3, Temporal.TimeDomain.AudioTime, "")
	if seq:isnil () then fail ("Ardour does not list the VST3 plugin " .. plugin_name) end
	if route:add_processor_by_index (seq, 0, nil, true) ~= 0 then
		fail ("could not add the plugin to the track")
	end
	settle ()
	local log = ARDOUR.LuaAPI.new_luaproc (Session, LOGGER)
	if log:isnil () then fail ("Ardour does not find the Lua DSP " .. LOGGER) end
	if route:add_processor_by_index (log, 1, nil, true) ~= 0 then
		fail ("could not add the logger to the track")
	end
	settle ()
	Session:locations ():add_range (Temporal.timepos_t (0), Temporal.timepos_t (96000))
	for l in Session:locations ():list ():iter () do
		if l:is_range_marker () then l:set_name ("test-loop") end
	end
	if Session:save_state ("", false, false, false, false, false) ~= 0 then
		fail ("could not save the session")
	end
	settle ()
	close_session ()
	print ("created")
end

local log_file
local read_count = 0

local function drain ()
	local shmem = logger_shmem ()
	local count = shmem:atomic_get_int (0)
	if count - read_count > CAPACITY then fail ("the MIDI log overflowed") end
	local buffer = shmem:to_int (1):array ()
	while read_count < count do
		local base = (read_count % CAPACITY) * RECORD
		if buffer[base + 4] < 0 then
			log_file:write (string.format ("cycle %d %d %d %d %d\n",
				buffer[base + 1], buffer[base + 2], buffer[base + 3], buffer[base + 5], buffer[base + 6]))
		else
			log_file:write (string.format ("midi %d %d %d %d %d %d %d\n",
				buffer[base + 1], buffer[base + 2], buffer[base + 3], buffer[base + 4],
				buffer[base + 5], buffer[base + 6], buffer[base + 7]))
		end
		read_count = read_count + 1
	end
end

-- Runs the engine for `seconds`, draining the log every `step` seconds (default 0.02); stops
-- early when `done ()` says so.
local function run_for (seconds, done, step)
	step = step or 0.02
	local waited = 0
	local since_drain = 0
	while waited < seconds do
		sleep (step)
		waited = waited + step
		since_drain = since_drain + step
		if since_drain >= 0.02 then
			drain ()
			since_drain = 0
		end
		if done and done () then
			drain ()
			return true
		end
	end
	return false
end

-- The route's latency: Ardour runs the track's plugins this many samples ahead of the transport
-- (Route::roll adds the signal and output latency), so a plugin's position is the transport
-- position plus this.
local function latency ()
	local route = track ()
	return route:signal_latency () + route:output ():latency ()
end

-- A sample position of the plan: a number, `L+N` (N samples after the route's latency) or `N-L`.
local function position (word)
	local after = word:match ("^L%+(%d+)$")
	if after then return latency () + tonumber (after) end
	local before = word:match ("^(%d+)%-L$")
	if before then return tonumber (before) - latency () end
	local value = tonumber (word)
	if not value then fail ("not a sample position: " .. word) end
	return value
end

local function set_tempo (bpm)
	local map = Temporal.TempoMap.fetch_writable ()
	map:set_tempo (Temporal.Tempo (bpm, bpm, 4), Temporal.timepos_t (0))
	Temporal.TempoMap.update (map)
end

local function loop_location ()
	local loop = Session:locations ():auto_loop_location ()
	if not loop then fail ("the session has no loop range") end
	return loop
end

local commands = {}

function commands.mark (words)
	drain ()
	log_file:write ("mark " .. table.concat (words, " ", 2) .. "\n")
	log_file:write ("latency " .. latency () .. "\n")
end

function commands.tempo (words)
	set_tempo (tonumber (words[2]))
	settle ()
end

function commands.param (words)
	local value = tonumber (words[#words])
	local label = table.concat (words, " ", 2, #words - 1)
	local nth = find_param (label)
	if not ARDOUR.LuaAPI.set_processor_param (plugin_insert (), nth, value) then
		fail ("could not set " .. label)
	end
end

local function automation (label)
	local nth, port = find_param (label)
	local al, cl = ARDOUR.LuaAPI.plugin_automation (plugin_insert (), nth)
	local control = plugin_insert ():to_automatable ():automation_control (
		Evoral.Parameter (ARDOUR.AutomationType.PluginAutomation, 0, port), false)
	return cl, control
end

function commands.automate (words)
	-- NAME may contain spaces (and numbers): a `:` separates it from the points.
	local colon = 2
	while words[colon] and words[colon] ~= ":" do colon = colon + 1 end
	if not words[colon] then fail ("automate: no `:` after the parameter name") end
	local label = table.concat (words, " ", 2, colon - 1)
	local first = colon + 1
	local cl, control = automation (label)
	cl:clear_list ()
	for i = first, #words - 1, 2 do
		cl:add (Temporal.timepos_t (position (words[i])), tonumber (words[i + 1]), false, false)
	end
	control:set_automation_state (ARDOUR.AutoState.Play)
	settle ()
end

function commands.unautomate (words)
	local cl, control = automation (table.concat (words, " ", 2))
	control:set_automation_state (ARDOUR.AutoState.Off)
	cl:clear_list ()
end

function commands.loop (words)
	loop_location ():set (Temporal.timepos_t (tonumber (words[2])),
		Temporal.timepos_t (tonumber (words[3])), 0)
	settle ()
end

function commands.locate (words)
	Session:request_locate (position (words[2]), false, ARDOUR.LocateTransportDisposition.MustStop,
		ARDOUR.TransportRequestSource.TRS_UI)
	run_for (0.5)
end

function commands.roll ()
	Session:request_roll (ARDOUR.TransportRequestSource.TRS_UI)
end

function commands.loop_roll ()
	Session:request_play_loop (true, true)
end

function commands.unloop ()
	Session:request_play_loop (false, false)
end

function commands.stop ()
	Session:request_stop (false, false, ARDOUR.TransportRequestSource.TRS_UI)
end

function commands.wait (words)
	run_for (tonumber (words[2]))
end

commands["until"] = function (words)
	local target = position (words[2])
	local reached = function () return Session:transport_sample () >= target end
	if not run_for (10, reached, 0.002) then
		fail ("the playhead did not reach " .. target)
	end
end

function commands.wraps (words)
	local wanted = tonumber (words[2])
	if not run_for (5, function () return Session:transport_rolling () end, 0.002) then
		fail ("the transport did not start")
	end
	local wraps = 0
	local last = Session:transport_sample ()
	local done = function ()
		local now = Session:transport_sample ()
		if now < last then wraps = wraps + 1 end
		last = now
		return wraps >= wanted
	end
	if not run_for (20, done) then fail ("the loop did not wrap " .. wanted .. " times") end
end

function commands.save (words)
	if Session:save_state (words[2], false, false, false, false, false) ~= 0 then
		fail ("could not save snapshot " .. words[2])
	end
end

local function play (plan_path, log_path)
	local session = load_session (dir, name)
	if not session then fail ("could not load the session") end
	settle ()
	if Session:engine ():set_buffer_size (CYCLE) ~= 0 then fail ("could not set the cycle length") end
	-- Ardour recomputes its latencies after the change.
	sleep (1)
	log_file = io.open (log_path, "w")
	if not log_file then fail ("cannot write " .. log_path) end
	-- Skip whatever the logger recorded before the plan starts.
	read_count = logger_shmem ():atomic_get_int (0)
	local plan = io.open (plan_path, "r")
	if not plan then fail ("cannot read " .. plan_path) end
	for line in plan:lines () do
		line = line:gsub ("#.*", "")
		local words = {}
		for word in line:gmatch ("%S+") do words[#words + 1] = word end
		if #words > 0 then
			local command = commands[words[1]]
			if not command then fail ("unknown plan command " .. words[1]) end
			command (words)
		end
	end
	plan:close ()
	drain ()
	log_file:write ("end\n")
	log_file:close ()
	close_session ()
	print ("played")
end

if mode == "create" then
	create (arg[4])
elseif mode == "play" then
	play (arg[4], arg[5])
else
	fail ("unknown mode " .. mode)
end
