"""Excel templates out, Excel uploads in (logframes, values), and the projects file: doors onto the services."""
