CREATE TABLE t802 (id bigint PRIMARY KEY, name text NOT NULL);
