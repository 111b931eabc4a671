// Minimal RAII over SQLite's C API for the objective store: connections,
// prepared statements, and errors as absl::Status naming the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpsearch::metrics::internal {

// BUSY/LOCKED map to UNAVAILABLE (retryable), everything else to INTERNAL.
absl::Status SqliteError(int code, std::string_view path, std::string_view what, sqlite3* db);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, std::string path) : stmt_(stmt), path_(std::move(path)) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Parameters are numbered from 1, as in SQLite.
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void Bind(int index, std::string_view text);  // copied by SQLite
  void BindNull(int index);
  template <typename T>
  void Bind(int index, const std::optional<T>& value) {
    value ? Bind(index, *value) : BindNull(index);
  }

  // Runs one step: true when a row is ready, false when done.
  absl::StatusOr<bool> Step();
  // Runs to completion, expecting no rows.
  absl::Status Run();
  // Rewinds and clears bindings for the next use.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;
  std::optional<double> OptionalDouble(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string path_;
};

class Connection {
 public:
  // flags: SQLITE_OPEN_* ; a busy timeout is set so concurrent processes wait
  // for each other's short transactions instead of failing.
  static absl::StatusOr<Connection> Open(const std::string& path, int flags);
  // Opens `path` read-only as SQLite's immutable=1 does: no locks, no -wal or
  // -shm files. Only for a file that nothing writes while it is read.
  static absl::StatusOr<Connection> OpenImmutable(const std::string& path);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  // The single integer a query such as "PRAGMA user_version" returns.
  absl::StatusOr<int64_t> QueryInt(std::string_view sql);

  const std::string& path() const { return path_; }
  // Whether SQLite opened the file read-only: it does so quietly when a
  // read-write open finds the file not writable.
  bool ReadOnly() const;
  // The write-ahead log of the main database, as SQLite names it (symbolic
  // links resolved): the file to fsync to make its commits durable.
  std::string WalPath() const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // `name`: what SQLite opens, the path or a URI naming it; `path` for messages.
  static absl::StatusOr<Connection> OpenNamed(const std::string& name, const std::string& path,
                                              int flags);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace hpsearch::metrics::internal
