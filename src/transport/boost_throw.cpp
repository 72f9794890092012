// Builds without exceptions (the device presets) must give Boost the function it calls where it
// would throw. The loops take Asio's error-code overloads only, so reaching it is a bug: say what
// and stop.
#include <boost/throw_exception.hpp>

#if defined(BOOST_NO_EXCEPTIONS)
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace boost {

void throw_exception(const std::exception& e) {
  std::fprintf(stderr, "drover: Boost raised an error in a build without exceptions: %s\n",
               e.what());
  std::abort();
}

void throw_exception(const std::exception& e, const boost::source_location&) {
  throw_exception(e);
}

}  // namespace boost
#endif
