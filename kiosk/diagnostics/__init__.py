"""The technician's side of the kiosk: PIN, health facts and the diagnostics bundle."""
