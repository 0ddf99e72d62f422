//! The paths of the OpenAPI spec, as the layers need them before routing: which methods a
//! path answers (a wrong method is a 405 with `Allow`, a wrong path a 404), which query
//! parameters its GET declares (the response cache keys on those alone), and whether it
//! refuses the others (the JSON API) or ignores them (the pages for people).

use actix_web::dev::ResourceDef;

/// One path of the spec.
#[derive(Debug, Clone)]
struct SpecPath {
    /// actix-web's own template syntax (`/v1/roadmaps/{slug}`), which the spec shares.
    def: ResourceDef,
    allow: String,
    query: Vec<String>,
    /// Parameters it does not declare are a 400, not ignored.
    strict: bool,
}

/// Every path of the spec, in its order.
#[derive(Debug, Clone)]
pub struct SpecPaths(Vec<SpecPath>);

impl SpecPaths {
    /// The spec's paths; those in `pages` ignore undeclared parameters, the rest refuse them.
    pub fn from_spec(spec: &utoipa::openapi::OpenApi, pages: &[&str]) -> SpecPaths {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::path::ParameterIn;
        let paths = spec.paths.paths.iter().map(|(path, item)| {
            let mut methods = vec!["GET", "HEAD"];
            if item.put.is_some() {
                methods.push("PUT");
            }
            if item.delete.is_some() {
                methods.push("DELETE");
            }
            methods.push("OPTIONS");
            let query = item
                .get
                .iter()
                .flat_map(|get| get.parameters.iter().flatten())
                .filter_map(|p| match p {
                    RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => {
                        Some(p.name.clone())
                    }
                    _ => None,
                })
                .collect();
            SpecPath {
                def: ResourceDef::new(path.as_str()),
                allow: methods.join(", "),
                query,
                strict: !pages.contains(&path.as_str()),
            }
        });
        SpecPaths(paths.collect())
    }

    fn find(&self, path: &str) -> Option<&SpecPath> {
        self.0.iter().find(|p| p.def.is_match(path))
    }

    /// The methods of the path, if it is one of ours.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.find(path).map(|p| p.allow.as_str())
    }

    /// The query parameters the path's GET declares, in the spec's order, and whether it
    /// refuses the others; none, ignoring the others, for a path outside the spec (the
    /// interactive docs' assets).
    pub fn query_parameters(&self, path: &str) -> (&[String], bool) {
        self.find(path)
            .map_or((&[], false), |p| (p.query.as_slice(), p.strict))
    }
}
