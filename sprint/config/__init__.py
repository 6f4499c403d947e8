"""What is live: the settings, the plan file (moved for a drill) and its schedules. Imports the domain only."""
