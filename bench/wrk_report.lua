-- Prints one JSON line after a wrk run: throughput, latency percentiles (ms) and errors.
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.timeout
  io.write(string.format(
    'JSON {"rps": %.1f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "requests": %d, ' ..
    '"errors": %d, "non2xx": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.requests,
    errors, summary.errors.status))
end
