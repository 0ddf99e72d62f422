//! The paths of the OpenAPI spec, as the layers need them before routing: which methods a
//! path answers (a wrong method is a 405 with `Allow`, a wrong path a 404), which query
//! parameters its GET declares (the response cache keys on those alone), and whether it
//! refuses the others (the JSON API) or ignores them (the pages for people); and the template
//! that names the route in logs and metrics.
//!
//! Looked up on every request, so in a radix tree (matchit, the router axum uses), whose
//! template syntax (`/v1/roadmaps/{slug}`) is the spec's and actix-web's: actix-web's own
//! `ResourceDef`s, tried one after another with regular expressions, cost a request more than
//! all the rest of its work in the layers.

/// One path of the spec.
#[derive(Debug, Clone)]
pub struct SpecPath {
    /// The path's template, as the spec writes it.
    pub template: std::sync::Arc<str>,
    allow: String,
    query: Vec<String>,
    /// Parameters it does not declare are a 400, not ignored.
    strict: bool,
}

/// Every path of the spec.
#[derive(Debug, Clone)]
pub struct SpecPaths(matchit::Router<SpecPath>);

impl SpecPaths {
    /// The spec's paths; those in `pages` ignore undeclared parameters, the rest refuse them.
    /// Fails only if two of the spec's paths could match the same request.
    pub fn from_spec(
        spec: &utoipa::openapi::OpenApi,
        pages: &[&str],
    ) -> Result<SpecPaths, matchit::InsertError> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::path::ParameterIn;
        let mut router = matchit::Router::new();
        for (path, item) in &spec.paths.paths {
            let mut methods = vec!["GET", "HEAD"];
            for (method, operation) in [
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                if operation.is_some() {
                    methods.push(method);
                }
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
            let spec_path = SpecPath {
                template: path.as_str().into(),
                allow: methods.join(", "),
                query,
                strict: !pages.contains(&path.as_str()),
            };
            router.insert(path.as_str(), spec_path)?;
        }
        Ok(SpecPaths(router))
    }

    /// The spec's path that `path` (as the request wrote it) is one of.
    pub fn find(&self, path: &str) -> Option<&SpecPath> {
        self.0.at(path).ok().map(|found| found.value)
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
