"""`survey replay`."""
