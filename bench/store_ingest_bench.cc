// Objective store ingest rate in observations/s, batched (bench/metrics.md).
//
//   store_ingest_bench DIR [OBSERVATIONS]
//
// Appends OBSERVATIONS (default 2,000,000) to a fresh store in DIR, one
// transaction per batch (synchronous=FULL, so one WAL fsync per batch), for
// several batch sizes, spread over 100 trials.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "metrics/objective_store.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: store_ingest_bench DIR [OBSERVATIONS]\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const size_t total = argc == 3 ? std::stoul(argv[2]) : 2'000'000;
  for (size_t batch_size : {size_t{1}, size_t{100}, size_t{1000}, size_t{10000}}) {
    const size_t count = batch_size == 1 ? std::min<size_t>(total, 2000) : total;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = hpsearch::metrics::ObjectiveStore::Open((dir / "store.db").string());
    if (!store.ok()) {
      std::cerr << store.status() << "\n";
      return 1;
    }
    // Observations are made up front so only the store is timed; 64
    // distinct batches are cycled through.
    std::vector<std::vector<hpsearch::metrics::MetricLog>> batches(64);
    for (size_t b = 0; b < batches.size(); ++b) {
      for (size_t i = 0; i < batch_size; ++i) {
        const size_t n = b * batch_size + i;
        batches[b].push_back(
            {fmt::format("2024-03-04T17:55:{:02}.{:06}Z", n / 1000000 % 60, n % 1000000),
             n % 2 ? "loss" : "accuracy", fmt::format("{:.6f}", (n % 1000) / 1000.0)});
      }
    }
    const auto start = std::chrono::steady_clock::now();
    for (size_t done = 0, b = 0; done < count; done += batch_size, ++b) {
      const std::string trial = fmt::format("trial-{}", b % 100);
      if (auto s = (*store)->AppendObservations(trial, batches[b % batches.size()]); !s.ok()) {
        std::cerr << s << "\n";
        return 1;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format("batch {:6}: {:10.0f} observations/s ({} in {:.2f} s)\n", batch_size,
                             count / seconds, count, seconds);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
