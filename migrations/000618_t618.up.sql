CREATE TABLE t618 (id bigint PRIMARY KEY, name text NOT NULL);
