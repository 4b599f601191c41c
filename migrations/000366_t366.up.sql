CREATE TABLE t366 (id bigint PRIMARY KEY, name text NOT NULL);
