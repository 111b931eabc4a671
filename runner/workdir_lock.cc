#include "runner/workdir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace hpsearch::runner {

namespace {

// " (pid N)" as run.lock records the holder, or nothing.
std::string HolderOf(const std::filesystem::path& pid_file) {
  std::ifstream file(pid_file);
  int holder = 0;
  return file >> holder ? absl::StrCat(" (pid ", holder, ")") : "";
}

}  // namespace

absl::StatusOr<WorkdirLock> WorkdirLock::Acquire(const std::filesystem::path& workdir) {
  // The lock is on the folder itself: unlike a lock file, it cannot be
  // deleted from under a running engine. run.lock only says who holds it.
  // Close-on-exec: a trial that outlives the engine must not hold the lock.
  internal::ScopedFd dir(open(workdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    return absl::UnavailableError(absl::StrCat("cannot open workdir ", workdir.string(), ": ", std::strerror(errno)));
  }
  const std::filesystem::path pid_file = workdir / "run.lock";
  if (flock(dir.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat("cannot lock ", workdir.string(), ": ", std::strerror(errno)));
    }
    return absl::FailedPreconditionError(absl::StrCat("workdir ", workdir.string(),
                                                      " is in use by another hpsearch run", HolderOf(pid_file),
                                                      "; wait for it to end or stop it first"));
  }
  std::ofstream(pid_file, std::ios::trunc) << getpid() << "\n";  // for the message above only
  return WorkdirLock(std::move(dir));
}

bool WorkdirInUse(const std::filesystem::path& workdir) {
  struct stat folder {};
  if (stat(workdir.c_str(), &folder) != 0) return false;
  // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF": the file is
  // MAJOR:MINOR:INODE, the device numbers in hex. Waiters' lines have "->".
  const std::string file =
      absl::StrFormat("%02x:%02x:%u", major(folder.st_dev), minor(folder.st_dev), folder.st_ino);
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() > 5 && fields[1] == "FLOCK" && fields[5] == file) return true;
  }
  return false;
}

}  // namespace hpsearch::runner
