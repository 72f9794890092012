// GET /api/openapi.json: the document parses, and its routes and the router's are the same set:
// every documented method and path reaches a handler, and every request the router takes (a
// bounded exhaustive probe of methods and path shapes) matches a documented route.
#include <gtest/gtest.h>

#include <array>
#include <functional>

#include "drover/http/bootstrap_routes.hpp"
#include "drover/http/firmware_routes.hpp"
#include "drover/http/security_routes.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace json = boost::json;

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Whether `segments` fit `pattern`: "{path}" takes one or more segments (the router checks that
// it is an LwM2M path), any other "{...}" one segment, literals themselves.
bool fits(const std::vector<std::string>& pattern, std::size_t p,
          const std::vector<std::string>& segments, std::size_t s) {
  if (p == pattern.size()) return s == segments.size();
  if (s == segments.size()) return false;
  if (pattern[p] == "{path}") {
    for (std::size_t n = 1; s + n <= segments.size(); ++n)
      if (fits(pattern, p + 1, segments, s + n)) return true;
    return false;
  }
  if (pattern[p].front() == '{' || pattern[p] == segments[s])
    return fits(pattern, p + 1, segments, s + 1);
  return false;
}

struct OpenApi : ::testing::Test {
  ApiHarness h;
  bootstrap::BootstrapConfigs configs;
  BootstrapRoutes bootstrap_routes{configs, nullptr};  // the families `drover server` adds
  firmware::Images images{{}, {}, nullptr};
  firmware::FirmwareService firmware{h.server, images};
  FirmwareRoutes firmware_routes{images, firmware, nullptr};
  dtls::MemorySecurityStore security;
  SecurityRoutes security_routes{security};
  json::object doc;
  std::vector<std::pair<std::string, std::vector<std::string>>> routes;  // METHOD, pattern

  void SetUp() override {
    h.api.add_routes(bootstrap_routes);
    h.api.add_routes(firmware_routes);
    h.api.add_routes(security_routes);
    auto r = h.call("GET", "/api/openapi.json");
    ASSERT_EQ(r.status, 200u);
    doc = json::parse(r.body).as_object();
    for (const auto& [path, item] : doc.at("paths").as_object())
      for (const auto& [method, op] : item.as_object()) {
        if (method == "parameters") continue;
        std::string upper(method);
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        routes.emplace_back(upper, split(path));
      }
  }

  // The router took the request: anything but "no such route" or "wrong method".
  bool taken(std::string_view method, const std::string& target) {
    auto reply = h.api.handle({method, target, ""}, h.now);
    const auto* r = std::get_if<Response>(&reply);
    if (!r) return true;  // Subscribe (no operation can start: no client is registered)
    if (r->status == 405) return false;
    return !(r->status == 404 && error_code(*r) == "not_found");
  }

  bool documented(std::string_view method, const std::vector<std::string>& segments) const {
    for (const auto& [m, pattern] : routes)
      if (m == method && fits(pattern, 0, segments, 0)) return true;
    return false;
  }
};

TEST_F(OpenApi, IsAnOpenApi3DocumentWithSchemas) {
  EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 2), "3.");
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Client"));
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object())
      if (method != "parameters") {
        EXPECT_TRUE(op.as_object().contains("responses")) << method << " " << path;
      }
}

TEST_F(OpenApi, EveryDocumentedRouteReachesAHandler) {
  ASSERT_EQ(routes.size(), 44u);
  for (const auto& [method, pattern] : routes) {
    std::string target;
    for (const auto& segment : pattern)
      target += "/" + (segment == "{endpoint}" || segment == "{name}" ? std::string("nobody")
                       : segment == "{path}"                          ? std::string("3/0/0")
                       : segment == "{action}"                        ? std::string("pause")
                                                                      : segment);
    EXPECT_TRUE(taken(method, target)) << method << " " << target;
  }
}

TEST_F(OpenApi, EveryRouteOfTheRouterIsDocumented) {
  const std::array<std::string_view, 5> methods{"GET", "PUT", "POST", "DELETE", "PATCH"};
  std::size_t probed = 0;
  const auto probe = [&](const std::vector<std::string>& segments) {
    std::string target;
    for (const auto& s : segments) target += "/" + s;
    if (target.empty()) target = "/";
    for (auto method : methods) {
      ++probed;
      if (taken(method, target)) {
        EXPECT_TRUE(documented(method, segments)) << method << " " << target << " is undocumented";
      }
    }
  };
  // Top level: every path of up to 3 segments over the router's words.
  const std::vector<std::string> top{"api",       "clients", "events",    "metrics", "openapi.json",
                                     "nobody",    "models",  "bootstrap", "configs", "firmware",
                                     "campaigns", "fw",      "security"};
  std::function<void(std::vector<std::string>&, std::size_t, const std::vector<std::string>&)>
      walk = [&](std::vector<std::string>& s, std::size_t depth,
                 const std::vector<std::string>& words) {
        probe(s);
        if (depth == 0) return;
        for (const auto& w : words) {
          s.push_back(w);
          walk(s, depth - 1, words);
          s.pop_back();
        }
      };
  std::vector<std::string> prefix;
  walk(prefix, 3, top);
  prefix = {"api", "bootstrap", "configs"};
  walk(prefix, 2, top);
  // Below a client: up to 4 segments of numbers and action words, then longer numeric paths
  // with an action.
  const std::vector<std::string> below{"3",       "composite", "read", "write",      "discover",
                                       "execute", "observe",   "x",    "attributes", "firmware"};
  prefix = {"api", "campaigns", "1"};
  walk(prefix, 2, {"pause", "resume", "x"});
  prefix = {"api", "clients", "nobody"};
  walk(prefix, 4, below);
  for (std::size_t numbers = 4; numbers <= 5; ++numbers) {
    std::vector<std::string> s{"api", "clients", "nobody"};
    s.insert(s.end(), numbers, "3");
    walk(s, 1, below);
  }
  EXPECT_GT(probed, 30000u);
}

}  // namespace
}  // namespace drover::http::testing
