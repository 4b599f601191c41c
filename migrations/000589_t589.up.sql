CREATE TABLE t589 (id bigint PRIMARY KEY, name text NOT NULL);
