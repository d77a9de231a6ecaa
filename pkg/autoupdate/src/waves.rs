//! Which units may restart at the same time.

use std::collections::BTreeSet;

/// What decides whether two units' restarts may overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveUnit {
    pub unit: String,
    /// `RawImageName`s of the unit's containers: a rollback re-tags them, which must not race
    /// another unit's start on the same name.
    pub images: BTreeSet<String>,
    /// Units that require or are bound to this one: systemd restarts them along with it.
    pub dependents: Vec<String>,
}

/// Groups units (by index, keeping their order) into waves whose restarts may run at once. A
/// unit opens a new wave when it shares an image name with a unit of the current wave or one of
/// them depends on the other; so a unit never restarts before an earlier one it conflicts with.
pub fn restart_waves(units: &[WaveUnit]) -> Vec<Vec<usize>> {
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        let conflicts = waves.last().is_some_and(|wave| wave.iter().any(|&j| conflict(unit, &units[j])));
        match waves.last_mut() {
            Some(wave) if !conflicts => wave.push(i),
            _ => waves.push(vec![i]),
        }
    }
    waves
}

fn conflict(a: &WaveUnit, b: &WaveUnit) -> bool {
    a.images.intersection(&b.images).next().is_some()
        || a.dependents.contains(&b.unit)
        || b.dependents.contains(&a.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, images: &[&str], dependents: &[&str]) -> WaveUnit {
        WaveUnit {
            unit: name.into(),
            images: images.iter().map(|s| s.to_string()).collect(),
            dependents: dependents.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn conflicting_units_wait_for_each_other() {
        type Case = (&'static str, Vec<WaveUnit>, Vec<Vec<usize>>);
        let cases: Vec<Case> = vec![
            ("none", vec![], vec![]),
            (
                "independent",
                vec![unit("a", &["x"], &[]), unit("b", &["y"], &[]), unit("c", &["z"], &[])],
                vec![vec![0, 1, 2]],
            ),
            (
                "shared image",
                vec![unit("a", &["x"], &[]), unit("b", &["x"], &[]), unit("c", &["z"], &[])],
                vec![vec![0], vec![1, 2]],
            ),
            ("b requires a", vec![unit("a", &["x"], &["b"]), unit("b", &["y"], &[])], vec![vec![0], vec![1]]),
            ("a requires b", vec![unit("a", &["x"], &[]), unit("b", &["y"], &["a"])], vec![vec![0], vec![1]]),
            (
                "order kept",
                vec![unit("a", &["x"], &[]), unit("b", &["y"], &[]), unit("c", &["x"], &[]), unit("d", &["w"], &[])],
                vec![vec![0, 1], vec![2, 3]],
            ),
        ];
        for (name, units, want) in cases {
            assert_eq!(restart_waves(&units), want, "{name}");
        }
    }
}
