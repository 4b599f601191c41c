CREATE TABLE t675 (id bigint PRIMARY KEY, name text NOT NULL);
