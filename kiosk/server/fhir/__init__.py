"""The hospital's FHIR R4 server as the reference server's clinical source (issue 17).

``config`` reads the ``--fhir-config`` TOML file, ``client`` is a small synchronous R4 REST
client, ``mapping`` turns FHIR resources into the Kiosk API's domain values, ``source``
implements ``kiosk.server.clinical.ClinicalSource`` on top of them and ``capability`` is what
``kiosk-server check-fhir`` reports.
"""
