#include "suggestion/internal/model_cache.h"

#include <algorithm>

namespace hpsearch::suggestion::internal {

std::optional<ModelCache::Snapshot> ModelCache::Find(const std::string& key,
                                                     const std::vector<uint64_t>& observations) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  const Snapshot* best = nullptr;
  for (const Snapshot& snapshot : it->second->second) {
    if (snapshot.observations.size() >= observations.size() ||
        (best && snapshot.observations.size() <= best->observations.size()) ||
        !std::includes(observations.begin(), observations.end(), snapshot.observations.begin(),
                       snapshot.observations.end())) {
      continue;
    }
    best = &snapshot;
  }
  if (!best) return std::nullopt;
  return *best;
}

void ModelCache::Put(const std::string& key, Snapshot snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    entries_.emplace_front(key, std::vector<Snapshot>());
    it = index_.emplace(key, entries_.begin()).first;
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  } else {
    entries_.splice(entries_.begin(), entries_, it->second);
  }
  std::vector<Snapshot>& snapshots = it->second->second;
  std::erase_if(snapshots, [&](const Snapshot& old) { return old.observations == snapshot.observations; });
  snapshots.push_back(std::move(snapshot));
  if (snapshots.size() > snapshots_per_experiment_) snapshots.erase(snapshots.begin());
}

void ModelCache::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  index_.clear();
  entries_.clear();
}

size_t ModelCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace hpsearch::suggestion::internal
