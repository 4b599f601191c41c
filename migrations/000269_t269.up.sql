CREATE TABLE t269 (id bigint PRIMARY KEY, name text NOT NULL);
