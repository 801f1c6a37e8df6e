"""Thermal printers: ticket layout, ESC/POS and PNG rendering, connections, the print worker."""
