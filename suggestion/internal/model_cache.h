// Fitted Gaussian-process hyperparameters by experiment, most recently used
// first: warm starts for later calls' fits, never the source of truth.
//
// A snapshot records which observations it was fitted on (a hash of each:
// point and value), and a call starts only from a snapshot fitted on a
// strict subset of its own observations, the largest one: so a repeated
// request (Katib retries a call whose reply it rejected) gets the same
// answer, and a call's answer depends on the trials it is sent and on
// earlier calls for the same experiment alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "absl/container/flat_hash_map.h"

namespace hpsearch::suggestion::internal {

class ModelCache {
 public:
  struct Snapshot {
    Eigen::VectorXd log_hyperparameters;
    std::vector<uint64_t> observations;  // sorted hashes
    // Observations at the last full (multi-start) fit in this lineage.
    size_t full_fit_rows = 0;
  };

  // Bounded: at most `capacity` experiments (least recently used go first)
  // of `snapshots_per_experiment` snapshots each.
  ModelCache(size_t capacity, size_t snapshots_per_experiment)
      : capacity_(capacity), snapshots_per_experiment_(snapshots_per_experiment) {}

  // The largest snapshot of `key` fitted on a strict subset of
  // `observations` (sorted hashes), if any.
  std::optional<Snapshot> Find(const std::string& key, const std::vector<uint64_t>& observations);

  // Keeps `snapshot` for `key`, in place of one on the same observations.
  void Put(const std::string& key, Snapshot snapshot);

  void Clear();
  size_t size();  // experiments remembered

 private:
  using Entries = std::list<std::pair<std::string, std::vector<Snapshot>>>;
  const size_t capacity_;
  const size_t snapshots_per_experiment_;
  std::mutex mutex_;
  Entries entries_;
  absl::flat_hash_map<std::string, Entries::iterator> index_;
};

}  // namespace hpsearch::suggestion::internal
