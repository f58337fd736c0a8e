"""The working-day calendar: weekends, the State Council holidays and their make-up working days (调休)."""
