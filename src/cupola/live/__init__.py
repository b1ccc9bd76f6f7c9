"""The live picture: a scenario run in real time, streamed as JSON frames to the browser.

:mod:`.base` holds the control messages, :mod:`.frames` builds a frame from the engine's
state, :mod:`.session` paces a run (pause, step, 1×–10×), :mod:`.replay` plays a run folder,
:mod:`.layers` gives the scenario's fixed layers and :mod:`.app` serves them, the page
(``static/``) and the frames over HTTP and a WebSocket (``cupola serve``).
"""
