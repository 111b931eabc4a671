// Flag validators shared by the subcommands: values CLI11's own checks let
// through that would do something other than what was typed.
#pragma once

#include <CLI/CLI.hpp>

namespace hpsearch::cli {

// The --address of the gRPC servers: gRPC reads "HOST:PORT" leniently (no
// port means 443, a port above 65535 wraps around), so a typo would listen
// somewhere else. Accepts HOST:PORT with PORT in 0-65535 (0: a free port),
// where HOST is a name, an IPv4 address or a bracketed IPv6 address ([::]),
// and gRPC's unix:PATH.
CLI::Validator ListenAddress();

// A number of seconds from 0 to 1e9. CLI::NonNegativeNumber lets "nan"
// through, which would switch a timeout off or a grace period to nothing,
// and numbers so large that a deadline wraps around to the past.
CLI::Validator Seconds();

}  // namespace hpsearch::cli
