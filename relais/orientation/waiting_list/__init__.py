"""The ESMS waiting list: the scoped, filtered, scored and sorted requests, and its CSV/XLSX exports."""
