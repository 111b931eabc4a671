#include "runner/workdir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hpsearch::runner {

absl::StatusOr<WorkdirLock> WorkdirLock::Acquire(const std::filesystem::path& workdir) {
  const std::filesystem::path path = workdir / "run.lock";
  // Close-on-exec: a trial that outlives the engine must not hold the lock.
  internal::ScopedFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return absl::UnavailableError(absl::StrCat("cannot open ", path.string(), ": ", std::strerror(errno)));
  }
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat("cannot lock ", path.string(), ": ", std::strerror(errno)));
    }
    char text[32] = {};
    const ssize_t n = pread(fd.get(), text, sizeof text - 1, 0);
    int holder = 0;
    const bool known = n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &holder);
    return absl::FailedPreconditionError(
        absl::StrCat("workdir ", workdir.string(), " is in use by another hpsearch run",
                     known ? absl::StrCat(" (pid ", holder, ")") : "",
                     "; wait for it to end or stop it first"));
  }
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path.string(), ": ", std::strerror(errno)));
  }
  return WorkdirLock(std::move(fd));
}

}  // namespace hpsearch::runner
