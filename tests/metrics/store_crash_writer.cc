// Test helper for store_crash_test: opens STORE and appends batches of
// BATCH_SIZE observations to TRIAL forever, printing "committed N" after
// batch N is committed with DURABILITY ("power-loss" or "process-crash"),
// until it is killed.
#include <cstdio>
#include <string>
#include <vector>

#include "metrics/objective_store.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s STORE TRIAL BATCH_SIZE DURABILITY\n", argv[0]);
    return 2;
  }
  const auto durability = std::string(argv[4]) == "process-crash"
                              ? hpsearch::metrics::Durability::kProcessCrash
                              : hpsearch::metrics::Durability::kPowerLoss;
  auto store = hpsearch::metrics::ObjectiveStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  const std::string trial_name = argv[2];
  const int batch_size = std::stoi(argv[3]);
  for (long batch = 0;; ++batch) {
    hpsearch::metrics::TrialRecord trial;
    trial.experiment = "exp";
    trial.name = trial_name;
    trial.status = hpsearch::metrics::TrialStatus::kRunning;
    trial.message = "batch " + std::to_string(batch);
    std::vector<hpsearch::metrics::MetricLog> logs(
        batch_size, {"2024-01-01T00:00:00Z", "loss", std::to_string(batch)});
    if (absl::Status s = (*store)->AppendObservations(trial_name, logs, durability); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
    if (absl::Status s = (*store)->PutTrial(trial, durability); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
    std::printf("committed %ld\n", batch);
    std::fflush(stdout);
  }
}
