#include "metrics/internal/sqlite.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "fmt/format.h"

namespace hpsearch::metrics::internal {

namespace {

// The statement's first word ("SELECT", "COMMIT"): what was being done,
// without a wall of SQL in a message meant for users.
std::string_view Verb(std::string_view sql) {
  const size_t start = sql.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) return sql;
  const size_t end = sql.find_first_of(" \t\n(;", start);
  return sql.substr(start, end == std::string_view::npos ? end : end - start);
}

}  // namespace

absl::Status SqliteError(int code, std::string_view path, std::string_view what, sqlite3* db) {
  std::string message = fmt::format("{}: {}: {}", path, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  const int primary = code & 0xff;
  // SQLite's own words hide the cause ("unable to open database file" when
  // out of descriptors): the system's error says it.
  const int system_error = db ? sqlite3_system_errno(db) : 0;
  if (system_error != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL)) {
    message += fmt::format(" ({})", std::strerror(system_error));
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), path_(std::move(other.path_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Statement::Bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
void Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, path_, Verb(sqlite3_sql(stmt_)), sqlite3_db_handle(stmt_));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  Reset();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, sqlite3_column_bytes(stmt_, column)) : std::string();
}
std::optional<int64_t> Statement::OptionalInt64(int column) const {
  return IsNull(column) ? std::nullopt : std::optional(Int64(column));
}
std::optional<double> Statement::OptionalDouble(int column) const {
  return IsNull(column) ? std::nullopt : std::optional(Double(column));
}
std::optional<std::string> Statement::OptionalText(int column) const {
  return IsNull(column) ? std::nullopt : std::optional(Text(column));
}

absl::StatusOr<Connection> Connection::OpenNamed(const std::string& name, const std::string& path,
                                                 int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(rc, path, "cannot open", db);
    sqlite3_close(db);
    if ((rc & 0xff) == SQLITE_CANTOPEN) return absl::NotFoundError(status.message());
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10'000);
  return Connection(db, path);
}

absl::StatusOr<Connection> Connection::Open(const std::string& path, int flags) {
  return OpenNamed(path, path, flags);
}

absl::StatusOr<Connection> Connection::OpenImmutable(const std::string& path) {
  // A file: URI of the absolute path, with what a URI cannot hold verbatim
  // (%, ?, #, spaces, ...) percent-encoded.
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  std::string uri = "file://";
  for (const unsigned char c : (error ? path : absolute.string())) {
    if (std::isalnum(c) || std::strchr("/-._~", c) != nullptr) {
      uri += static_cast<char>(c);
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  uri += "?immutable=1";
  return OpenNamed(uri, path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

bool Connection::ReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Connection::~Connection() { sqlite3_close(db_); }

absl::Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, path_, Verb(text), db_);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, path_, Verb(sql), db_);
  return Statement(stmt, path_);
}

absl::StatusOr<int64_t> Connection::QueryInt(std::string_view sql) {
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(fmt::format("{}: {}: no result", path_, Verb(sql)));
  return stmt->Int64(0);
}

std::string Connection::WalPath() const {
  return sqlite3_filename_wal(sqlite3_db_filename(db_, "main"));
}

}  // namespace hpsearch::metrics::internal
