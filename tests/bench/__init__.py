"""`make bench`: speed and memory figures, each as a ratio to a baseline measured in the
same run (these machines are shared and noisy; absolute times mean little)."""
