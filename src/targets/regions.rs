//! The regions where Amazon Lookout for Vision was offered, and `--region all`: the one list of them.

/// Every region Lookout for Vision was offered in (its endpoints, until end of support on 2025-10-31).
pub const LOOKOUT_FOR_VISION_REGIONS: [&str; 7] =
    ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2"];

/// The `--region` value that stands for [`LOOKOUT_FOR_VISION_REGIONS`].
pub const ALL: &str = "all";

/// `--region` values as given, with `all` replaced by [`LOOKOUT_FOR_VISION_REGIONS`] (in that order, where it
/// stands), duplicates dropped (first kept); and one warning per region outside the list, naming the list
/// (such a region is still enumerated: an emulator or a future endpoint may answer there).
pub fn expand(given: &[String]) -> (Vec<String>, Vec<String>) {
    let mut regions: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    for r in given {
        let add: Vec<String> = if r == ALL {
            LOOKOUT_FOR_VISION_REGIONS.iter().map(|r| r.to_string()).collect()
        } else {
            if !LOOKOUT_FOR_VISION_REGIONS.contains(&r.as_str()) {
                warnings.push(format!(
                    "--region {r}: Lookout for Vision was never offered there; its regions are {} (--region all)",
                    LOOKOUT_FOR_VISION_REGIONS.join(", ")
                ));
            }
            vec![r.clone()]
        };
        for r in add {
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
    }
    (regions, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn all_is_the_seven_regions_and_others_warn() {
        let (regions, warnings) = expand(&v(&["all"]));
        assert_eq!(
            regions,
            v(&[
                "us-east-1",
                "us-east-2",
                "us-west-2",
                "eu-west-1",
                "eu-central-1",
                "ap-northeast-1",
                "ap-northeast-2"
            ])
        );
        assert!(warnings.is_empty());
        let (regions, warnings) = expand(&v(&["eu-west-1", "all", "sa-east-1", "us-east-1"]));
        assert_eq!(regions.len(), 8);
        assert_eq!(regions[0], "eu-west-1");
        assert_eq!(regions[7], "sa-east-1");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("sa-east-1") && warnings[0].contains("ap-northeast-2"), "{}", warnings[0]);
        assert_eq!(expand(&[]), (vec![], vec![]));
    }
}
