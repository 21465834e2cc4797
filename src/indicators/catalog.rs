//! Profiles and entities resolved so far, shared by the workers of a rebuild: each worker keeps
//! its own cache of them and locks the shared catalog only on a miss (once per distinct model,
//! class and entity it meets), so the workers never wait on each other per asset.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use parcd_connectors::AssetClass;

use crate::footprint::{FactorSet, FootprintError, Impacts, Profile, ResolvedProfile};

use super::aggregate::{Fixed, HOURS_PER_YEAR, Reason, fits};
use super::assets::FastMap;

pub(crate) const CLASSES: usize = AssetClass::ALL.len();

/// A resolved profile's index in [`Catalog::profiles`], or why there is none.
pub(crate) type Slot = Result<u32, Reason>;

/// A resolved profile and its what-if sums.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProfileEntry {
    pub(crate) profile: Profile,
    /// New then reconditioned: the what-if sums (whole, steady) in fixed point, or `None`
    /// when they exceed what a fixed-point sum holds. They depend on the profile alone.
    pub(crate) what_if: [Option<(Fixed, Fixed)>; 2],
}

/// Profiles resolved once per class and per (class, model), and entity names given ids, for the
/// engine's whole life: ids are never reused, so caches of them stay true.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    pub(crate) profiles: Vec<ProfileEntry>,
    share: f64,
    classes: [Option<Slot>; CLASSES],
    /// Only models the factor set has overrides for: the rest use their class's profile.
    models: HashMap<String, Vec<(AssetClass, Slot)>>,
    entity_ids: FastMap<String, u32>,
    pub(crate) entity_names: Vec<String>,
}

impl Catalog {
    pub(crate) fn new(reconditioned_share: f64) -> Catalog {
        Catalog {
            share: reconditioned_share,
            ..Catalog::default()
        }
    }

    pub(crate) fn resolve(
        &mut self,
        factors: &FactorSet,
        class: AssetClass,
        model: Option<&str>,
    ) -> Slot {
        let model = model.filter(|m| factors.has_model(m));
        let Some(model) = model else {
            if let Some(slot) = self.classes[class as usize] {
                return slot;
            }
            let slot = self.push(factors.profile(class, None));
            self.classes[class as usize] = Some(slot);
            return slot;
        };
        if let Some(slot) = self
            .models
            .get(model)
            .and_then(|v| v.iter().find(|(c, _)| *c == class))
        {
            return slot.1;
        }
        let slot = self.push(factors.profile(class, Some(model)));
        self.models
            .entry(model.to_string())
            .or_default()
            .push((class, slot));
        slot
    }

    fn push(&mut self, resolved: Result<ResolvedProfile, FootprintError>) -> Slot {
        let p = resolved.map_err(|e| reason(&e))?;
        let fixed = |reconditioned| {
            let (whole, steady) = what_if(&p.profile, reconditioned, self.share);
            (fits(&whole) && fits(&steady))
                .then(|| (Fixed::from_impacts(&whole), Fixed::from_impacts(&steady)))
        };
        let what_if = [fixed(false), fixed(true)];
        self.profiles.push(ProfileEntry {
            profile: p.profile,
            what_if,
        });
        Ok((self.profiles.len() - 1) as u32)
    }

    pub(crate) fn entity_id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.entity_ids.get(name) {
            return *id;
        }
        let id = self.entity_names.len() as u32;
        self.entity_ids.insert(name.to_string(), id);
        self.entity_names.push(name.to_string());
        id
    }
}

/// The catalog behind its lock. A worker that panicked while holding it left it whole (every
/// method leaves it consistent), and the rebuild re-raises that panic anyway.
pub(crate) fn lock(catalog: &Mutex<Catalog>) -> std::sync::MutexGuard<'_, Catalog> {
    catalog.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One worker's copy of what it has looked up in the catalog.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    classes: [Option<Slot>; CLASSES],
    /// Model → `None` when the factor set has no overrides for it (its class's profile
    /// applies), else its slot per class met so far.
    models: FastMap<String, Option<Vec<(AssetClass, Slot)>>>,
    entities: FastMap<String, u32>,
    /// By profile id, copied from the catalog on first use.
    profiles: Vec<Option<ProfileEntry>>,
}

impl Cache {
    pub(crate) fn slot(
        &mut self,
        catalog: &Mutex<Catalog>,
        factors: &FactorSet,
        class: AssetClass,
        model: Option<&str>,
    ) -> Slot {
        let with_overrides = match model.map(|m| (m, self.models.get(m))) {
            None | Some((_, Some(None))) => None,
            Some((m, Some(Some(slots)))) => {
                if let Some((_, s)) = slots.iter().find(|(c, _)| *c == class) {
                    return *s;
                }
                Some(m)
            }
            Some((m, None)) => {
                self.models
                    .insert(m.to_string(), factors.has_model(m).then(Vec::new));
                return self.slot(catalog, factors, class, model);
            }
        };
        if with_overrides.is_none()
            && let Some(s) = self.classes[class as usize]
        {
            return s;
        }
        let mut cat = lock(catalog);
        let slot = cat.resolve(factors, class, with_overrides);
        if let Ok(i) = slot {
            let i = i as usize;
            if self.profiles.len() <= i {
                self.profiles.resize(i + 1, None);
            }
            self.profiles[i] = Some(cat.profiles[i]);
        }
        match with_overrides.and_then(|m| self.models.get_mut(m)) {
            Some(Some(slots)) => slots.push((class, slot)),
            _ => self.classes[class as usize] = Some(slot),
        }
        slot
    }

    /// A profile [`Cache::slot`] gave.
    pub(crate) fn profile(&self, id: u32) -> Option<&ProfileEntry> {
        self.profiles.get(id as usize).and_then(Option::as_ref)
    }

    pub(crate) fn entity(&mut self, catalog: &Mutex<Catalog>, name: &str) -> u32 {
        if let Some(id) = self.entities.get(name) {
            return *id;
        }
        let id = lock(catalog).entity_id(name);
        self.entities.insert(name.to_string(), id);
        id
    }
}

/// The bounded exclusion reason of a profile's error.
pub(crate) fn reason(e: &FootprintError) -> Reason {
    match e {
        FootprintError::NoClassFactor { .. } | FootprintError::UnknownModel { .. } => {
            Reason::NoFactor
        }
        FootprintError::InvalidInput { field, .. } => field_reason(field),
        _ => Reason::Other,
    }
}

/// The exclusion reason of an input the model refused.
pub(crate) fn field_reason(field: &str) -> Reason {
    match field {
        "avg_power_w" => Reason::InvalidPower,
        "lifespan_hours" => Reason::InvalidLifespan,
        // Includes a model declared for another class than the asset's: a data mistake to
        // show, not to paper over with the class figures.
        _ => Reason::Other,
    }
}

/// The whole embodied impact charged to a device (its reconditioned share when reconditioned,
/// as [`crate::footprint::model::estimate`] charges it) and that whole spread over one year of
/// its reference lifespan.
pub(crate) fn what_if(
    p: &Profile,
    reconditioned: bool,
    reconditioned_share: f64,
) -> (Impacts, Impacts) {
    let share = if reconditioned {
        reconditioned_share
    } else {
        1.0
    };
    let whole = p.embodied.scaled(share);
    (whole, whole.scaled(HOURS_PER_YEAR / p.lifespan_hours))
}
