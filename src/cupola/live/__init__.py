"""The live picture: a scenario run in real time, streamed as JSON frames to the browser.

:mod:`.base` holds the control messages, :mod:`.frames` builds a frame from the engine's
state, :mod:`.session` paces a run (pause, step, 1×–10×) and :mod:`.app` serves it over
HTTP and a WebSocket (``cupola serve``).
"""
