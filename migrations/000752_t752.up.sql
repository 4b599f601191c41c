CREATE TABLE t752 (id bigint PRIMARY KEY, name text NOT NULL);
