# Sourced: apt pointed at Debian sid with state of its own under the cache (a private sources list, lists and
# archives), so that packages are downloaded and extracted without installing anything on this machine. Defines
# $cache and the apt_opts array for apt-get and apt-cache.
cache="${STRUCTOPS_CACHE:-$HOME/.cache/structops}/vm"
apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
# The Debian archive this machine's own apt uses (its first one), asked for the sid suite.
archive=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$archive" ] || archive=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null \
  | grep -v security | head -n 1)
[ -n "$archive" ] || { echo "sid-apt: this machine's apt names no Debian archive" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive sid main" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o Dir::State::Status=/dev/null
  -o APT::Sandbox::User=root -qq)
