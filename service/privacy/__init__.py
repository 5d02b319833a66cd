"""A person's rights over their data, as the API, the pages and the command line offer them:
the right of access (everything held on a person, as a French xlsx and a JSON), erasure or
anonymisation, « ne pas proposer ». The rules that change data live in
:mod:`service.people.privacy` (the retention run calls them too); this package gathers and
renders a person's data across every domain and exposes the actions."""
