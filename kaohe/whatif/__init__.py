"""What if the rules changed: scenarios, comparisons (`simulate`), sweeps and their pages."""
