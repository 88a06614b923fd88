"""Open311 GeoReport v2: services are topics, requests are tickets."""
