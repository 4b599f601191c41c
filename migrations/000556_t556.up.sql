CREATE TABLE t556 (id bigint PRIMARY KEY, name text NOT NULL);
