// Katib's default StdOut metrics filter, for checking hpsearch-trial's lines.
#ifndef HPSEARCH_TESTS_TRIAL_KATIB_FILTER_H_
#define HPSEARCH_TESTS_TRIAL_KATIB_FILTER_H_

#include <map>
#include <string>

namespace hpsearch::trial::test_support {

// The name=value pairs Katib's default filter
// `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)` finds in `line`
// (std::regex's ECMAScript dialect reads this pattern as Go's regexp does).
std::map<std::string, std::string> KatibDefaultFilter(const std::string& line);

}  // namespace hpsearch::trial::test_support

#endif  // HPSEARCH_TESTS_TRIAL_KATIB_FILTER_H_
