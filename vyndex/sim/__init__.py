"""The market simulation behind `make simulate`: seeded scenarios (`scenario`), the index token's
secondary market (`secondary`), tracking arithmetic (`tracking`) and the day-by-day run
(`simulation`)."""
