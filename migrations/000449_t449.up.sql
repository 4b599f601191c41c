CREATE TABLE t449 (id bigint PRIMARY KEY, name text NOT NULL);
