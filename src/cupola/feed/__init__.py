"""The live feed: radar plots in over UDP, the battle manager on them, the picture out to
command-and-control networks (``cupola feed``, ``cupola replay``)."""
