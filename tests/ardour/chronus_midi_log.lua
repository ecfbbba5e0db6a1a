ardour {
	["type"]    = "dsp",
	name        = "Chronus Seq Test MIDI Log",
	category    = "Utility",
	license     = "MIT",
	author      = "Chronus Seq tests",
	description = [[Test helper of Chronus Seq (tests/tests/ardour.rs): records every MIDI event
that reaches it, with the transport sample of its cycle and its offset in the cycle, into shared
memory that the session script (tests/ardour/session.lua) drains. Passes audio and MIDI through.]]
}

-- Ring of records, RECORD ints each, behind a write counter at index 0:
--   cycle record: transport sample, call length, speed != 0 (0/1), -1, offset of the call in its cycle, 0, 0
--   event record: transport sample, cycle length, speed != 0 (0/1), offset, status, data 1, data 2
-- A cycle record comes first for every call, so the reader sees every cycle, rolling or not.
local CAPACITY = 32768
local RECORD = 7

function dsp_ioconfig ()
	return { { midi_in = 1, midi_out = 1, audio_in = -1, audio_out = -1 } }
end

function dsp_init (rate)
	self:shmem ():allocate (1 + CAPACITY * RECORD)
	self:shmem ():atomic_set_int (0, 0)
end

function dsp_configure (ins, outs)
	n_out = outs
end

local function put (count, values)
	local buffer = self:shmem ():to_int (1):array ()
	local base = (count % CAPACITY) * RECORD
	for i = 1, RECORD do
		buffer[base + i] = values[i]
	end
	return count + 1
end

function dsp_runmap (bufs, in_map, out_map, n_samples, offset)
	ARDOUR.DSP.process_map (bufs, n_out, in_map, out_map, n_samples, offset)
	local start = Session:transport_sample ()
	local rolling = (Session:transport_speed () ~= 0) and 1 or 0
	local count = self:shmem ():atomic_get_int (0)
	count = put (count, { start, n_samples, rolling, -1, offset, Session:engine ():processed_samples (), 0 })
	local ib = in_map:get (ARDOUR.DataType ("midi"), 0)
	if ib ~= ARDOUR.ChanMapping.Invalid then
		-- The buffer holds the whole cycle; this call covers [offset, offset + n_samples) of it
		-- (Ardour splits the cycle at the loop end and at automation points).
		for _, e in pairs (bufs:get_midi (ib):table ()) do
			local time = e:time ()
			if time >= offset and time < offset + n_samples then
				local bytes = e:buffer ():array ()
				local size = e:size ()
				count = put (count, {
					start, n_samples, rolling, time - offset,
					bytes[1], size > 1 and bytes[2] or 0, size > 2 and bytes[3] or 0 })
			end
		end
	end
	self:shmem ():atomic_set_int (0, count)
end
