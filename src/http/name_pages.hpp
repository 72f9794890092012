// A listing of a map keyed by name (bootstrap configurations, credentials), a page at a time in
// name order: ?after= (the previous page's "next") and ?limit= (1..1000, default 100), so that a
// listing costs its page and not the whole map (docs/architecture.md).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <iterator>
#include <string_view>

#include "drover/http/routes.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

// {"<key>": [entry_json(name, value)...], "next": the last name, or null at the end}.
template <typename Map, typename EntryJson>
Reply name_page(const RouteRequest& r, const Map& all, std::string_view key, EntryJson entry_json) {
  constexpr std::size_t default_page = 100;
  constexpr std::size_t max_page = 1000;
  std::size_t limit = default_page;
  if (auto l = r.query("limit")) {
    const auto n = parse_size(*l);
    if (!n || *n == 0 || *n > max_page)
      return error(400, "bad_query", "limit must be an integer in [1, 1000]");
    limit = *n;
  }
  auto it = all.upper_bound(r.query("after").value_or(""));
  boost::json::array list;
  for (; it != all.end() && list.size() < limit; ++it)
    list.push_back(entry_json(it->first, it->second));
  boost::json::object o;
  o[key] = std::move(list);
  o["next"] =
      it == all.end() ? boost::json::value(nullptr) : boost::json::value(std::prev(it)->first);
  return ok(200, o);
}

}  // namespace drover::http
