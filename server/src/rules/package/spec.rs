//! npm dependency specifiers: what kind of fetch a version string asks for, and whether a
//! resolved version satisfies a range (npm's semver rules, enough to check a lockfile pin).

use std::cmp::Ordering;

/// What a dependency specifier asks npm to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec<'a> {
    /// One exact registry version (`1.2.3`, `=1.2.3`, `v1.2.3`).
    Exact,
    /// A semver range (`^1.2.0`, `~1`, `>=1 <2`, `1.x`, `*`, `1.2`).
    Range,
    /// A dist-tag (`latest`, `next`): whatever the tag points to at install time.
    Tag,
    /// A git source (`github:o/r`, `o/r#main`, `git+https://…`); `commit` when it names a full
    /// 40-hex commit.
    Git { commit: bool },
    /// A remote tarball URL.
    Url { commit: bool },
    /// A folder or tarball on disk, a workspace sibling, a pnpm catalog: not fetched from a
    /// registry.
    Local,
    /// `npm:<name>@<spec>`: an alias; the inner spec decides.
    Alias { target: &'a str, spec: &'a str },
}

/// Classify a specifier as npm reads it.
pub fn classify(raw: &str) -> Spec<'_> {
    let s = raw.trim();
    const LOCAL: &[&str] = &[
        "workspace:",
        "link:",
        "file:",
        "portal:",
        "catalog:",
        "patch:",
        "exec:",
    ];
    if LOCAL.iter().any(|p| s.starts_with(p))
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("~/")
        || s == "."
        || s == ".."
    {
        return Spec::Local;
    }
    if let Some(rest) = s.strip_prefix("npm:") {
        // `npm:@scope/name@spec` or `npm:name@spec`; no `@spec` means latest.
        let at = rest.get(1..).and_then(|r| r.find('@')).map(|i| i + 1);
        return match at {
            Some(i) => Spec::Alias {
                target: &rest[..i],
                spec: &rest[i + 1..],
            },
            None => Spec::Alias {
                target: rest,
                spec: "",
            },
        };
    }
    let git_prefixes = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ];
    if git_prefixes.iter().any(|p| s.starts_with(p)) {
        return Spec::Git {
            commit: fragment_is_commit(s),
        };
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        return Spec::Url {
            commit: has_full_sha(s),
        };
    }
    // GitHub shorthand `owner/repo` or `owner/repo#ref` (npm treats it as a git dependency).
    if let Some((owner, repo)) = s.split('#').next().and_then(|p| p.split_once('/')) {
        let ok = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if ok(owner) && ok(repo) && !owner.starts_with('@') {
            return Spec::Git {
                commit: fragment_is_commit(s),
            };
        }
    }
    let bare = s.trim_start_matches('=').trim_start_matches('v').trim();
    if crate::workspace::exact_version(bare).is_some() {
        return Spec::Exact;
    }
    if parse_range(s).is_some() {
        return Spec::Range;
    }
    Spec::Tag
}

fn fragment_is_commit(s: &str) -> bool {
    s.rsplit_once('#').is_some_and(|(_, frag)| {
        let frag = frag.strip_prefix("commit=").unwrap_or(frag);
        frag.len() == 40 && frag.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn has_full_sha(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() == 40)
}

/// A parsed version: major, minor, patch and prerelease identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    core: [u64; 3],
    pre: Vec<String>,
}

impl Version {
    fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('=').trim_start_matches('v');
        let s = s.split('+').next()?;
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
            None => (s, Vec::new()),
        };
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = Version {
            core: [it.next()??, it.next()??, it.next()??],
            pre,
        };
        it.next().is_none().then_some(v)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

type Comparator = (Op, Version);

/// A partial version (`1`, `1.2`, `1.x`, `*`): the numbers given, `None` from the first
/// wildcard on.
fn partial(s: &str) -> Option<(Vec<u64>, Vec<String>)> {
    let s = s.trim().trim_start_matches('v').split('+').next()?;
    if s.is_empty() {
        return Some((vec![], vec![]));
    }
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
        None => (s, Vec::new()),
    };
    let mut nums = Vec::new();
    for (i, part) in core.split('.').enumerate() {
        if i >= 3 {
            return None;
        }
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        nums.push(part.parse::<u64>().ok()?);
    }
    Some((nums, pre))
}

fn ver(core: [u64; 3], pre: Vec<String>) -> Version {
    Version { core, pre }
}

/// The lower bound `>= nums` (missing parts are 0).
fn floor(nums: &[u64], pre: Vec<String>) -> Version {
    ver(
        [
            nums.first().copied().unwrap_or(0),
            nums.get(1).copied().unwrap_or(0),
            nums.get(2).copied().unwrap_or(0),
        ],
        pre,
    )
}

/// The exclusive upper bound just past a partial version (`1.2` → `1.3.0-0`).
fn past(nums: &[u64]) -> Option<Version> {
    let zero = || vec!["0".to_string()];
    match nums {
        [] => None,
        [m] => Some(ver([m + 1, 0, 0], zero())),
        [m, n] => Some(ver([*m, n + 1, 0], zero())),
        [m, n, p] => Some(ver([*m, *n, p + 1], zero())),
        _ => None,
    }
}

fn comparators(token: &str) -> Option<Vec<Comparator>> {
    let (op, rest) = ["<=", ">=", "~>", "<", ">", "=", "^", "~"]
        .iter()
        .find_map(|op| token.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", token));
    let (nums, pre) = partial(rest)?;
    let mut out = Vec::new();
    match op {
        "" | "=" => {
            if nums.len() == 3 {
                out.push((Op::Eq, floor(&nums, pre)));
            } else {
                if !nums.is_empty() {
                    out.push((Op::Ge, floor(&nums, vec![])));
                }
                out.extend(past(&nums).map(|v| (Op::Lt, v)));
            }
        }
        "~" | "~>" => {
            out.push((Op::Ge, floor(&nums, pre)));
            let upper = if nums.len() >= 2 {
                past(&nums[..2])
            } else {
                past(&nums)
            };
            out.extend(upper.map(|v| (Op::Lt, v)));
        }
        "^" => {
            out.push((Op::Ge, floor(&nums, pre)));
            // The first non-zero part given may not change (all of it when all are zero).
            let keep = nums
                .iter()
                .position(|n| *n != 0)
                .map_or(nums.len(), |i| i + 1);
            out.extend(past(&nums[..keep.min(nums.len())]).map(|v| (Op::Lt, v)));
        }
        ">" => match past(&nums) {
            Some(v) if nums.len() < 3 => out.push((Op::Ge, v)),
            _ if nums.is_empty() => out.push((Op::Lt, ver([0, 0, 0], vec!["0".into()]))),
            _ => out.push((Op::Gt, floor(&nums, pre))),
        },
        ">=" => out.push((Op::Ge, floor(&nums, pre))),
        "<" => out.push((
            Op::Lt,
            floor(
                &nums,
                if nums.len() == 3 {
                    pre
                } else {
                    vec!["0".into()]
                },
            ),
        )),
        "<=" => match past(&nums) {
            Some(v) if nums.len() < 3 => out.push((Op::Lt, v)),
            _ if nums.is_empty() => {}
            _ => out.push((Op::Le, floor(&nums, pre))),
        },
        _ => return None,
    }
    Some(out)
}

/// A range as alternatives (`||`) of comparator sets. `None` when it is not a range.
fn parse_range(range: &str) -> Option<Vec<Vec<Comparator>>> {
    let mut alternatives = Vec::new();
    for alt in range.split("||") {
        let alt = alt.trim();
        let mut set = Vec::new();
        if let Some((lo, hi)) = alt.split_once(" - ") {
            let (lo, lo_pre) = partial(lo)?;
            let (hi, hi_pre) = partial(hi)?;
            set.push((Op::Ge, floor(&lo, lo_pre)));
            match past(&hi) {
                Some(v) if hi.len() < 3 => set.push((Op::Lt, v)),
                _ if hi.is_empty() => {}
                _ => set.push((Op::Le, floor(&hi, hi_pre))),
            }
        } else {
            // Operators may be separated from their version by spaces (`>= 1.2`).
            let mut tokens: Vec<String> = Vec::new();
            for t in alt.split_whitespace() {
                match tokens.last_mut() {
                    Some(last) if last.chars().all(|c| "<>=~^".contains(c)) => last.push_str(t),
                    _ => tokens.push(t.to_string()),
                }
            }
            for t in tokens {
                set.extend(comparators(&t)?);
            }
        }
        alternatives.push(set);
    }
    Some(alternatives)
}

/// Whether `version` satisfies `range` by npm's rules. `None` when either cannot be parsed.
/// A prerelease only matches a comparator set that names a prerelease of the same x.y.z.
pub fn satisfies(version: &str, range: &str) -> Option<bool> {
    let v = Version::parse(version)?;
    let alternatives = parse_range(range)?;
    Some(alternatives.iter().any(|set| {
        let all = set.iter().all(|(op, c)| match op {
            Op::Lt => v < *c,
            Op::Le => v <= *c,
            Op::Gt => v > *c,
            Op::Ge => v >= *c,
            Op::Eq => v == *c,
        });
        all && (v.pre.is_empty()
            || set
                .iter()
                .any(|(_, c)| !c.pre.is_empty() && c.core == v.core && c.pre != ["0"]))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_specifiers() {
        for s in ["1.2.3", "=1.2.3", "v1.2.3", "1.0.0-beta.2"] {
            assert_eq!(classify(s), Spec::Exact, "{s}");
        }
        for s in [
            "^1.2.3",
            "~1.2.3",
            ">=1.0.0 <2",
            "1.x",
            "*",
            "",
            "1.2",
            "1 || 2",
            "1.0.0 - 2.0.0",
            "> 1",
        ] {
            assert_eq!(classify(s), Spec::Range, "{s}");
        }
        for s in ["latest", "next", "beta"] {
            assert_eq!(classify(s), Spec::Tag, "{s}");
        }
        for s in [
            "workspace:*",
            "workspace:^",
            "link:../x",
            "file:../x",
            "file:x.tgz",
            "../x",
            "catalog:",
        ] {
            assert_eq!(classify(s), Spec::Local, "{s}");
        }
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(classify("github:o/r"), Spec::Git { commit: false });
        assert_eq!(classify("o/r#main"), Spec::Git { commit: false });
        assert_eq!(classify(&format!("o/r#{sha}")), Spec::Git { commit: true });
        assert_eq!(
            classify(&format!("git+https://github.com/o/r.git#{sha}")),
            Spec::Git { commit: true }
        );
        assert_eq!(
            classify("git+ssh://git@github.com/o/r.git#semver:^1"),
            Spec::Git { commit: false }
        );
        assert_eq!(
            classify("https://example.com/x-1.0.0.tgz"),
            Spec::Url { commit: false }
        );
        assert_eq!(
            classify(&format!("https://codeload.github.com/o/r/tar.gz/{sha}")),
            Spec::Url { commit: true }
        );
        assert_eq!(
            classify("npm:string-width@^4.2.0"),
            Spec::Alias {
                target: "string-width",
                spec: "^4.2.0"
            }
        );
        assert_eq!(
            classify("npm:@scope/x@1.0.0"),
            Spec::Alias {
                target: "@scope/x",
                spec: "1.0.0"
            }
        );
        assert_eq!(
            classify("npm:@scope/x"),
            Spec::Alias {
                target: "@scope/x",
                spec: ""
            }
        );
    }

    #[test]
    fn ranges_follow_npm() {
        let yes = [
            ("1.2.3", "^1.0.0"),
            ("1.9.9", "~1.9.0"),
            ("0.2.9", "^0.2.3"),
            ("3.23.8", "^3.23.0"),
            ("2.0.0", ">=1.0.0 <3"),
            ("1.5.0", "1.x"),
            ("1.5.0", "1"),
            ("5.0.0", "*"),
            ("4.0.0", "1 || >= 4"),
            ("2.3.9", "1.2.3 - 2.3"),
            ("1.2.3", "1.2.3"),
            ("1.0.0-beta.2", "^1.0.0-beta.1"),
        ];
        for (v, r) in yes {
            assert_eq!(satisfies(v, r), Some(true), "{v} {r}");
        }
        let no = [
            ("2.0.0", "^1.0.0"),
            ("1.10.0", "~1.9.0"),
            ("0.3.0", "^0.2.3"),
            ("0.0.4", "^0.0.3"),
            ("1.2.2", ">1.2.2"),
            ("2.4.0", "1.2.3 - 2.3"),
            ("2.0.0-rc.1", "^1.0.0"),
            ("1.1.0-rc.1", "^1.0.0"),
            ("1.0.0", "<1.0.0"),
        ];
        for (v, r) in no {
            assert_eq!(satisfies(v, r), Some(false), "{v} {r}");
        }
        assert_eq!(satisfies("1.0.0", "latest"), None);
    }
}
