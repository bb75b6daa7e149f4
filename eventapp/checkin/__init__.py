"""On-site scanning: scan points (entrances, meeting zones, booths), scanner
devices, the scan API with offline queue, check-ins and exhibitors' leads."""
