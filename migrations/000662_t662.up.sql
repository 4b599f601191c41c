CREATE TABLE t662 (id bigint PRIMARY KEY, name text NOT NULL);
