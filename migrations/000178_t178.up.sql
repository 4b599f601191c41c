CREATE TABLE t178 (id bigint PRIMARY KEY, name text NOT NULL);
