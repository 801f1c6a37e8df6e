"""The insight pages for hospital management: figures from the queue's event log, the ratings
and the kiosks' usage events (``figures``), their SVG charts (``charts``) and the pages under
``/insight`` (``pages``); ``history`` seeds the demo hospital's past weeks."""
