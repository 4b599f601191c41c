CREATE TABLE t713 (id bigint PRIMARY KEY, name text NOT NULL);
