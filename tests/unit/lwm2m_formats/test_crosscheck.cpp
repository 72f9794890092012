// Cross-check against independent implementations: Python's cbor2 and json modules read what our
// encoders write, and our decoders read what they write. Skipped when python3 or cbor2 is missing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "unit/lwm2m_formats/codec_test_util.hpp"
#include "unit/lwm2m_model/temp_dir.hpp"

namespace drover::lwm2m {
namespace {

using testing::Bytes;
using testing::rec;
using testing::TempDir;

// "decode FILE...": prints each file (".json": JSON, else CBOR) in CBOR diagnostic-like notation,
// one line each. "encode DIR": writes payloads made with cbor2/json into DIR.
constexpr std::string_view script = R"PY(
import datetime, json, math, os, sys
import cbor2

def canon(x):
    if isinstance(x, bool): return 'true' if x else 'false'
    if x is None: return 'null'
    if isinstance(x, int): return str(x)
    if isinstance(x, float):
        if math.isnan(x): return 'NaN'
        if math.isinf(x): return 'Infinity' if x > 0 else '-Infinity'
        return repr(x)
    if isinstance(x, str): return json.dumps(x, ensure_ascii=False)
    if isinstance(x, (bytes, bytearray)): return "h'" + x.hex() + "'"
    if isinstance(x, (list, tuple)): return '[' + ','.join(canon(v) for v in x) + ']'
    if isinstance(x, dict):
        return '{' + ','.join(canon(k) + ':' + canon(v) for k, v in x.items()) + '}'
    if isinstance(x, datetime.datetime): return '1(' + str(int(x.timestamp())) + ')'
    if isinstance(x, cbor2.CBORTag): return str(x.tag) + '(' + canon(x.value) + ')'
    raise TypeError(type(x))

if sys.argv[1] == 'decode':
    for path in sys.argv[2:]:
        data = open(path, 'rb').read()
        value = json.loads(data.decode('utf-8')) if path.endswith('.json') else cbor2.loads(data)
        print(canon(value))
else:
    out = sys.argv[2]
    def write(name, data):
        with open(os.path.join(out, name), 'wb') as f: f.write(data)
    write('senml.cbor', cbor2.dumps([
        {-2: '/3303/0/', -3: 1700000000.0, 0: '5700', 2: 20.5},
        {0: '5700', 2: 21.0, 6: 10.0},
        {-2: '/5/0/', 0: '0', 8: b'\x00\xff'},
        {0: '1', 3: 'caf\u00e9 \U0001F600'},
        {-2: '/4/0/', 0: '1', 'vlo': '3:0'}]))
    write('lwm2m.cbor', cbor2.dumps({(3, 0): {0: 'Open Mobile Alliance', 9: 100}, (1, 0, 1): 86400}))
    write('time.cbor', cbor2.dumps(cbor2.CBORTag(1, 1700000000)))
    write('senml.json', json.dumps([
        {'bn': '/5/0/', 'n': '1', 'vs': 'caf\u00e9 \U0001F600\n'},
        {'n': '0', 'vd': 'AP8'},
        {'bn': '/3303/0/5700', 'bt': 1.7e9, 'v': 20.5, 't': 0.25}]).encode('ascii'))
    write('oma.json', json.dumps(
        {'e': [{'n': '9', 'v': 100}, {'n': '14', 'sv': '+02:00'}], 'bn': '/3/0/'}).encode('ascii'))
)PY";

class Crosscheck : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
      const std::string probe = std::string(candidate) + " -c 'import cbor2' >/dev/null 2>&1";
      if (std::system(probe.c_str()) == 0) {
        python_ = candidate;
        break;
      }
    }
    if (python_.empty()) GTEST_SKIP() << "python3 with cbor2 not available";
    script_ = dir_.write("crosscheck.py", script);
  }

  std::string run(const std::string& arguments) {
    const auto output = dir_.path() / "output.txt";
    const std::string command =
        python_ + " " + script_.string() + " " + arguments + " > " + output.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(output);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(status, 0) << text;
    return text;
  }

  // What the independent decoder makes of the payload our codec writes for `records`.
  std::string seen_by_python(testing::EncodeFn encode, const std::vector<Record>& records,
                             std::string_view file) {
    const Bytes payload = testing::encode_ok(encode, records);
    const auto path = dir_.write(file, std::string(payload.begin(), payload.end()));
    std::string line = run("decode " + path.string());
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }

  Bytes written_by_python(std::string_view file) {
    std::ifstream in(dir_.path() / file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  TempDir dir_{"formats_crosscheck"};
  std::string python_;
  std::filesystem::path script_;
};

TEST_F(Crosscheck, PythonReadsOurSingleCborValues) {
  const Path path(3, 0, 13);
  const auto single = [&](Value v) {
    return seen_by_python(
        [](std::span<const Record> r, const Path&, std::vector<std::uint8_t>& out) {
          return detail::encode_cbor(r, r.front().path, out);
        },
        {rec(path, std::move(v))}, "value.cbor");
  };
  EXPECT_EQ(single(Value(Time{1700000000})), "1(1700000000)");
  EXPECT_EQ(single(Value(1.5)), "1.5");
  EXPECT_EQ(single(Value(0.1)), "0.1");
  EXPECT_EQ(single(Value(std::numeric_limits<double>::quiet_NaN())), "NaN");
  EXPECT_EQ(single(Value(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(single(Value(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(single(Value(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(single(Value(Opaque{0x00, 0xFF})), "h'00ff'");
  EXPECT_EQ(single(Value(Objlnk{3, 0})), "\"3:0\"");
  EXPECT_EQ(single(Value("caf\xc3\xa9")), "\"caf\xc3\xa9\"");
}

TEST_F(Crosscheck, PythonReadsOurSenmlCbor) {
  const Path temperature(3303, 0, 5700);
  EXPECT_EQ(seen_by_python(detail::encode_senml_cbor,
                           {rec(temperature, Value(20.5), 1700000000.0),
                            rec(temperature, Value(21.0), 1700000010.0)},
                           "senml.cbor"),
            R"([{-2:"/3303/0/",-3:1700000000,0:"5700",2:20.5},{0:"5700",2:21.0,6:10}])");
  EXPECT_EQ(seen_by_python(
                detail::encode_senml_cbor,
                {rec(Path(5, 0, 0), Value(Opaque{1, 2})), rec(Path(4, 0, 1), Value(Objlnk{3, 0})),
                 rec(Path(3311, 0, 5850), Value(true)), rec(Path(1, 0, 1))},
                "senml.cbor"),
            R"([{0:"/5/0/0",8:h'0102'},{0:"/4/0/1","vlo":"3:0"},{0:"/3311/0/5850",4:true},)"
            R"({0:"/1/0/1"}])");
}

TEST_F(Crosscheck, PythonReadsOurLwm2mCbor) {
  EXPECT_EQ(seen_by_python(detail::encode_lwm2m_cbor,
                           {rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
                            rec(Path(3, 0, 9), Value(std::int64_t{100})),
                            rec(Path(1, 0, 1), Value(std::int64_t{86400}))},
                           "lwm2m.cbor"),
            R"({[3,0]:{0:"Open Mobile Alliance",9:100},[1,0,1]:86400})");
  EXPECT_EQ(
      seen_by_python(detail::encode_lwm2m_cbor,
                     {rec(Path(3, 0, 13), Value(Time{1700000000})), rec(Path(1, 0))}, "lwm2m.cbor"),
      R"({[3,0,13]:1(1700000000),[1,0]:null})");
}

TEST_F(Crosscheck, PythonReadsOurJsonFormats) {
  EXPECT_EQ(seen_by_python(detail::encode_senml_json,
                           {rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80\n\x01")),
                            rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF})),
                            rec(Path(3303, 0, 5700), Value(1e300), 1700000000.5)},
                           "senml.json"),
            "[{\"n\":\"/5/0/1\",\"vs\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\\n\\u0001\"},"
            "{\"n\":\"/5/0/0\",\"vd\":\"-_8\"},"
            "{\"n\":\"/3303/0/5700\",\"v\":1e+300,\"t\":1700000000.5}]");
  EXPECT_EQ(seen_by_python(detail::encode_oma_json,
                           {rec(Path(3, 0, 9), Value(std::int64_t{100})),
                            rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF}))},
                           "oma.json"),
            R"({"bn":"/","e":[{"n":"3/0/9","v":100},{"n":"5/0/0","sv":"+/8="}]})");
}

TEST_F(Crosscheck, WeReadWhatPythonWrites) {
  run("encode " + dir_.path().string());
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const Path temperature(3303, 0, 5700);
  EXPECT_EQ(
      testing::decode_ok(detail::decode_senml_cbor, written_by_python("senml.cbor"), {}, options),
      (std::vector<Record>{rec(temperature, Value(20.5), 1700000000.0),
                           rec(temperature, Value(21.0), 1700000010.0),
                           // bt stays in force for the records after it.
                           rec(Path(5, 0, 0), Value(Opaque{0x00, 0xFF}), 1700000000.0),
                           rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80"), 1700000000.0),
                           rec(Path(4, 0, 1), Value(Objlnk{3, 0}), 1700000000.0)}));
  EXPECT_EQ(
      testing::decode_ok(detail::decode_lwm2m_cbor, written_by_python("lwm2m.cbor"), {}, options),
      (std::vector<Record>{rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
                           rec(Path(3, 0, 9), Value(std::int64_t{100})),
                           rec(Path(1, 0, 1), Value(std::int64_t{86400}))}));
  EXPECT_EQ(testing::decode_ok(detail::decode_cbor, written_by_python("time.cbor"), Path(3, 0, 13)),
            std::vector<Record>{rec(Path(3, 0, 13), Value(Time{1700000000}))});
  EXPECT_EQ(
      testing::decode_ok(detail::decode_senml_json, written_by_python("senml.json"), {}, options),
      (std::vector<Record>{rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80\n")),
                           rec(Path(5, 0, 0), Value(Opaque{0x00, 0xFF})),
                           rec(temperature, Value(20.5), 1700000000.25)}));
  EXPECT_EQ(testing::decode_ok(detail::decode_oma_json, written_by_python("oma.json"), {}, options),
            (std::vector<Record>{rec(Path(3, 0, 9), Value(std::int64_t{100})),
                                 rec(Path(3, 0, 14), Value("+02:00"))}));
}

}  // namespace
}  // namespace drover::lwm2m
