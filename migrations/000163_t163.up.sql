CREATE TABLE t163 (id bigint PRIMARY KEY, name text NOT NULL);
