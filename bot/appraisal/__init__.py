"""The appraisal pack: a profile chart (PNG) and a development plan (PDF) drawn from a PlanData."""
